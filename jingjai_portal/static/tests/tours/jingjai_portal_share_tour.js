import { registry } from "@web/core/registry";

// Every share button of the "Portal link ready" panel, on a customer, a quote
// or an invoice: Copy puts the link in the clipboard, LINE and WhatsApp carry
// the message, SMS and Email open a composer that can be used. A crash in the
// web client (an action it cannot run) fails the tour.
function generateSteps() {
    return [
        {
            content: "Open the panel from the header's Portal Link button",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_jingjai_portal_generate']:visible, .o_form_view header button[name='action_jingjai_portal_generate']:visible",
            run: "click",
        },
        {
            content: "Generate",
            trigger: ".modal button[name='action_generate']",
            run: "click",
        },
        {
            content: "The link is shown once",
            trigger: ".modal .o_jingjai_portal_link_created input.o_jingjai_portal_url:value(/p/)",
        },
    ];
}

function closeDialog(content) {
    return {
        content,
        trigger: ".modal:not(.o_inactive_modal) .modal-header .btn-close",
        run: "click",
    };
}

function shareSteps(emailComposer) {
    return [
        ...generateSteps(),
        {
            content: "Copy: the URL goes to the clipboard",
            trigger: ".modal .o_jingjai_portal_copy",
            run() {
                window.__jjCopied = "";
                navigator.clipboard.writeText = async (text) => {
                    window.__jjCopied = text;
                };
                this.anchor.click();
            },
        },
        {
            content: "The copied text is the link",
            trigger: ".modal input.o_jingjai_portal_url",
            run() {
                if (!window.__jjCopied || window.__jjCopied !== this.anchor.value) {
                    throw new Error(`copied ${window.__jjCopied}, not the link`);
                }
            },
        },
        {
            content: "LINE shares the message with the link",
            trigger:
                ".modal a.o_jingjai_portal_share_line[href^='https://line.me/R/share?text='][href*='%2Fp%2F']",
        },
        {
            content: "WhatsApp too",
            trigger: ".modal a.o_jingjai_portal_share_whatsapp[href^='https://wa.me/'][href*='%2Fp%2F']",
        },
        {
            content: "SMS opens Odoo's SMS composer",
            trigger: ".modal button.o_jingjai_portal_share_sms:enabled",
            run: "click",
        },
        {
            // The SMS gets its own link when it leaves: the composer holds the
            // sentence naming the business, never a URL.
            content: "The SMS composer holds the message, without the link",
            trigger: ".modal .o_form_view div[name='body'] textarea",
            run() {
                const body = this.anchor.value;
                if (!body.trim() || body.includes("/p/")) {
                    throw new Error(`SMS composer body: ${JSON.stringify(body)}`);
                }
            },
        },
        {
            trigger: ".modal footer button[name='action_send_sms']",
        },
        closeDialog("Close the SMS composer"),
        {
            trigger: "body:not(:has(.modal))",
        },
        ...generateSteps(),
        {
            content: "Email opens the email composer",
            trigger: ".modal button.o_jingjai_portal_share_email:enabled",
            run: "click",
        },
        {
            content: "The email composer is usable",
            trigger: emailComposer,
        },
        closeDialog("Close the email composer"),
        {
            trigger: "body:not(:has(.modal))",
        },
    ];
}

registry.category("web_tour.tours").add("jingjai_portal_share_customer", {
    // The customer's email gets its own link as its button when it leaves.
    steps: () => shareSteps(".modal footer button[name='action_send_mail']"),
});

registry.category("web_tour.tours").add("jingjai_portal_share_quote", {
    steps: () => shareSteps(".modal footer button[name='action_send_mail']"),
});

registry.category("web_tour.tours").add("jingjai_portal_share_invoice", {
    steps: () =>
        shareSteps(".modal:has(.o_account_move_send_wizard) footer button[name='action_send_and_print']"),
});
