import { registry } from "@web/core/registry";

/**
 * Draw a stroke on the signature pad with real pointer events, as a finger would.
 *
 * @param {HTMLCanvasElement} canvas
 */
function drawSignature(canvas) {
    const box = canvas.getBoundingClientRect();
    const points = [
        [0.1, 0.7],
        [0.3, 0.2],
        [0.5, 0.8],
        [0.7, 0.3],
        [0.9, 0.6],
    ].map(([x, y]) => [box.left + x * box.width, box.top + y * box.height]);
    const fire = (type, [clientX, clientY], buttons) =>
        canvas.dispatchEvent(
            new PointerEvent(type, {
                bubbles: true,
                cancelable: true,
                isPrimary: true,
                pointerType: "touch",
                clientX,
                clientY,
                buttons,
            })
        );
    fire("pointerdown", points[0], 1);
    for (const point of points.slice(1)) {
        fire("pointermove", point, 1);
    }
    fire("pointerup", points.at(-1), 0);
}

// A customer opens a quote link, signs with a finger and accepts. The Python test
// opens /p/<token> as an anonymous visitor and checks the order afterwards.
registry.category("web_tour.tours").add("jingjai_portal_quote_sign", {
    steps: () => [
        {
            content: "The quote page offers to sign and accept",
            trigger: ".o_jingjai_portal_accept .o_web_sign_name_input",
            run: "edit Somchai Jaidee",
        },
        {
            content: "Nothing is drawn yet: accepting is not possible",
            trigger: ".o_jingjai_portal_accept .o_portal_sign_submit:disabled",
        },
        {
            content: "Sign with a finger",
            trigger: ".o_jingjai_portal_accept canvas.o_web_sign_signature",
            run() {
                drawSignature(
                    document.querySelector(
                        ".o_jingjai_portal_accept canvas.o_web_sign_signature"
                    )
                );
            },
        },
        {
            trigger: ".o_jingjai_portal_accept canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            content: "Sign & Accept",
            trigger: ".o_jingjai_portal_accept .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The link now shows the accepted quote, who signed, and the PDF",
            trigger: ".o_jingjai_portal_accepted:contains(Somchai Jaidee)",
        },
        {
            trigger: ".o_jingjai_portal_accepted img.o_jingjai_portal_signature",
        },
        {
            trigger: "a[href$='/pdf']",
        },
        {
            content: "No signature form any more",
            trigger: "body:not(:has(.o_jingjai_portal_accept))",
        },
    ],
});
