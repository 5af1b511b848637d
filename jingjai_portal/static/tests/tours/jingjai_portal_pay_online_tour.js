import { registry } from "@web/core/registry";

// Pay with what the form has chosen; the provider confirms, Odoo's status page
// post-processes and sends the customer back to the link's page.
function payAndComeBack() {
    return [
        {
            content: "Pay",
            trigger: "#o_payment_form button[name='o_payment_submit_button']:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back on the link's page: paid, with the receipt",
            trigger: ".o_jingjai_portal_paid_online",
        },
    ];
}

// The Python test's card provider (it goes straight to Odoo's status page).
function payByCardAndComeBack() {
    return [
        {
            content: "Choose the card method",
            trigger: "#o_payment_form input[name='o_payment_radio']",
            run: "click",
        },
        ...payAndComeBack(),
    ];
}

// A customer opens an invoice link on a phone and pays it online with Odoo's
// payment form. The Python test's provider goes straight to Odoo's status page,
// which sends the customer back to the link's page.
registry.category("web_tour.tours").add("jingjai_portal_pay_online", {
    steps: () => [
        {
            content: "The invoice page offers to pay online",
            trigger: ".o_jingjai_portal_pay_online #o_payment_form",
        },
        ...payByCardAndComeBack(),
    ],
});

// The same on a phone with Odoo's payment_demo provider: the customer types a
// card number in Demo's inline form; Demo confirms, Odoo's status page
// post-processes and sends the customer back to the link's page.
registry.category("web_tour.tours").add("jingjai_portal_pay_online_demo", {
    steps: () => [
        {
            content: "The invoice page offers to pay online with Demo",
            trigger:
                ".o_jingjai_portal_pay_online #o_payment_form input[name='o_payment_radio'][data-provider-code='demo']",
            run: "click",
        },
        {
            content: "Type a card number",
            trigger: "#o_payment_form #customer_input:visible",
            run: "edit 4242 4242 4242 4242",
        },
        {
            content: "The payment succeeds",
            trigger: "#o_payment_form #simulated_payment_state",
            run: "select done",
        },
        ...payAndComeBack(),
    ],
});

// An invoice in installments: the page offers the next installment first, as
// Odoo's own invoice page does; the customer chooses the full amount instead
// and pays it (Odoo's payment form script pays the chosen tab's amount).
registry.category("web_tour.tours").add("jingjai_portal_pay_online_full_amount", {
    steps: () => [
        {
            content: "The next installment is chosen first",
            trigger: "#pay_with #o_payment_installments_tab.active",
        },
        {
            content: "Choose the full amount",
            trigger: "#pay_with #o_payment_full_tab",
            run: "click",
        },
        {
            content: "The full amount is chosen",
            trigger: "#pay_with #o_payment_full_tab.active",
        },
        ...payByCardAndComeBack(),
    ],
});
