import { registry } from "@web/core/registry";

// Staff flow on a customer: generate a link, see it once, copy it, revoke it.
// The Python test opens the customer's form and checks the database afterwards.
registry.category("web_tour.tours").add("jingjai_portal_generate_and_revoke", {
    steps: () => [
        {
            content: "Open the Generate Portal Link panel",
            trigger: ".o_form_view button[name='action_jingjai_portal_generate']",
            run: "click",
        },
        {
            content: "Shorten the link to 10 days",
            trigger: ".modal div[name='expiry_days'] input",
            run: "edit 10",
        },
        {
            content: "Generate",
            trigger: ".modal button[name='action_generate']",
            run: "click",
        },
        {
            content: "The link is shown once, with its QR code",
            trigger: ".modal .o_jingjai_portal_link_created input.o_jingjai_portal_url:value(/p/)",
        },
        {
            trigger: ".modal img.o_jingjai_portal_qr[src^='data:image/png']",
        },
        {
            content: "Copy it",
            trigger: ".modal .o_jingjai_portal_copy",
            run: "click",
        },
        {
            content: "Close the panel",
            trigger: ".modal .o_jingjai_portal_done",
            run: "click",
        },
        {
            content: "The customer now has an active link to revoke",
            trigger: ".o_form_view button[name='action_jingjai_portal_revoke']",
            run: "click",
        },
        {
            content: "Revocation asks for confirmation",
            trigger: ".modal:contains(cannot be undone) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Staff are told the link is dead",
            trigger: ".o_notification:contains(revoked)",
        },
    ],
});
