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
            content: "LINE and WhatsApp open their share page in a new tab",
            trigger:
                ".modal a.o_jingjai_portal_share_line[href^='https://line.me/R/share?text='][target='_blank'][rel='noopener noreferrer']",
        },
        {
            trigger:
                ".modal a.o_jingjai_portal_share_whatsapp[href^='https://wa.me/?text='][target='_blank'][rel='noopener noreferrer']",
        },
        {
            content: "The message ends with the link, and its SMS length is shown",
            trigger: ".modal .o_jingjai_portal_message:contains(/p/)",
        },
        {
            trigger: ".modal .o_jingjai_portal_sms_length:contains(fits one SMS)",
        },
        {
            content: "No mobile number: SMS is disabled, and the panel says why",
            trigger: ".modal button.o_jingjai_portal_share_sms:disabled",
        },
        {
            trigger: ".modal .o_jingjai_portal_sms_reason:contains(no mobile number)",
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

// Administrator: switch access codes on in Settings, save, reload: still on.
registry.category("web_tour.tours").add("jingjai_portal_settings_access_codes", {
    steps: () => [
        {
            content: "Switch access codes on",
            trigger:
                "#jingjai_portal_access_codes .o_field_boolean input[type='checkbox']:not(:checked)",
            run: "click",
        },
        {
            trigger: "#jingjai_portal_access_codes div[name='jingjai_portal_code_channel']",
        },
        {
            content: "Save (the settings page reloads)",
            trigger: ".o_control_panel .o_form_button_save",
            run: "click",
            expectUnloadPage: true,
        },
        {
            trigger:
                "#jingjai_portal_access_codes .o_field_boolean input[type='checkbox']:checked",
        },
        {
            content: "Reload the settings",
            trigger: "body",
            run() {
                window.location.reload();
            },
            expectUnloadPage: true,
        },
        {
            content: "Access codes are still on",
            trigger:
                "#jingjai_portal_access_codes .o_field_boolean input[type='checkbox']:checked",
        },
    ],
});

// Send to Client on a quote or an invoice: the email in the dialog holds no link
// (it is made for the customer's copy as it leaves); once sent, the chatter
// points at the link's record, not its URL.
function sendSteps(sendButton, confirmButton) {
    return [
        {
            content: "Open the Send dialog",
            trigger: `.o_form_view .o_statusbar_buttons button[name='${sendButton}']:visible`,
            run: "click",
        },
        {
            content: "The email in the dialog holds no portal link",
            trigger: ".modal div[name='body']:contains('The button of this email opens'):not(:has(a[href*='/p/']))",
        },
        {
            content: "Send",
            trigger: `.modal footer button[name='${confirmButton}']:visible`,
            run: "click",
        },
        {
            content: "The chatter shows the link's record, not the link",
            trigger: ".o-mail-Message-body a[href*='/odoo/jingjai.portal.link/']",
        },
    ];
}

registry.category("web_tour.tours").add("jingjai_portal_send_quote", {
    steps: () => sendSteps("action_quotation_send", "action_send_mail"),
});

registry.category("web_tour.tours").add("jingjai_portal_send_invoice", {
    steps: () => sendSteps("action_invoice_sent", "action_send_and_print"),
});

// A Thai-speaking user opens a customer and the settings: no error in Thai.
registry.category("web_tour.tours").add("jingjai_portal_thai_customer_form", {
    steps: () => [
        {
            trigger: ".o_form_view button[name='action_jingjai_portal_generate']",
        },
    ],
});

registry.category("web_tour.tours").add("jingjai_portal_thai_settings", {
    steps: () => [
        {
            trigger: "#jingjai_portal_access_codes .o_field_boolean input[type='checkbox']",
        },
    ],
});
