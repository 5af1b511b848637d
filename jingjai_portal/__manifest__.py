{
    "name": "Jingjai Portal Links",
    "summary": "Expiring, revocable, audited portal links for customers, quotes "
    "and invoices: the URL is the credential, no password",
    "version": "19.0.1.4.1",
    "category": "Sales/Sales",
    "author": "Jingjai",
    "website": "https://github.com/jingjai/jingjai_portal",
    "license": "LGPL-3",
    "depends": [
        "portal",
        "mail",
        "sale_management",
        "account",
        "account_payment",
        "l10n_th",
        "sms",
        "phone_validation",
    ],
    "external_dependencies": {
        "python": ["qrcode", "phonenumbers", "zxing-cpp", "pypdfium2"]
    },
    "data": [
        "security/ir.model.access.csv",
        "security/jingjai_portal_security.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "views/jingjai_portal_link_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "views/jingjai_portal_slip_views.xml",
        "views/res_config_settings_views.xml",
        "views/jingjai_portal_menus.xml",
        "views/jingjai_portal_templates.xml",
        "views/portal_link_code_templates.xml",
        "views/portal_link_invoice_templates.xml",
        "views/portal_link_quote_templates.xml",
        "wizard/jingjai_portal_link_generate_views.xml",
    ],
    "demo": [
        "demo/jingjai_portal_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "jingjai_portal/static/src/js/**/*",
            "jingjai_portal/static/src/xml/**/*",
        ],
        "web.assets_frontend": [
            "jingjai_portal/static/src/scss/**/*",
        ],
        "web.assets_tests": [
            "jingjai_portal/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": False,
}
