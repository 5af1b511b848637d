"""The add-on's fixed vocabulary, in one place: link scopes and states, the
documents a link reaches, the business's timezone, and the context keys and
notification parameter that carry a link between flows.

Every Selection of these values is built from the lists below, so a value
added here exists everywhere at once. Nothing here imports Odoo.
"""

# The business's clock: the day a link ends, the times shown to customers and
# staff. Thai customers and Thai staff, whatever a user's own timezone says.
BUSINESS_TIMEZONE = "Asia/Bangkok"

# ------------------------------------------------------------
# LINKS
# ------------------------------------------------------------

LINK_SCOPES = [
    ("customer", "Customer-wide"),
    ("quote", "Single quote"),
    ("invoice", "Single invoice"),
]
LINK_STATES = [
    ("active", "Active"),
    ("expired", "Expired"),
    ("revoked", "Revoked"),
    ("closed", "Closed"),
]

# Which model each scope points at, and the field of the link that holds it.
SCOPE_TARGETS = {
    "customer": ("res.partner", "partner_id"),
    "quote": ("sale.order", "sale_order_id"),
    "invoice": ("account.move", "account_move_id"),
}
SCOPE_BY_MODEL = {model: scope for scope, (model, _field) in SCOPE_TARGETS.items()}
# The company's setting of how many days a new link of each scope stays valid.
EXPIRY_DAYS_FIELDS = {
    "customer": "jingjai_portal_customer_expiry_days",
    "quote": "jingjai_portal_quote_expiry_days",
    "invoice": "jingjai_portal_invoice_expiry_days",
}

# The documents a URL below a link names by type: /p/<token>/<type>/<id>.
DOCUMENT_MODELS = {"order": "sale.order", "invoice": "account.move"}
DOCUMENT_TYPES = {
    model: document_type for document_type, model in DOCUMENT_MODELS.items()
}

# ------------------------------------------------------------
# ACCESS CODES
# ------------------------------------------------------------

CODE_CHANNELS = [("sms", "SMS"), ("email", "Email")]

# ------------------------------------------------------------
# CONTEXT KEYS AND NOTIFICATION PARAMETERS
# ------------------------------------------------------------

# Notification parameter (of message_post and _notify_thread) asking for a
# portal link in the customer's copy of a message, made when it is sent. Only
# server code passes it: the Send flows and the share panel. Nothing written in
# a message, by anyone, can ask for a link.
LINK_PARAMETER = "jingjai_portal_link"
# Context key that hands the links made for one message to the email's groups.
LINK_CONTEXT_KEY = "jingjai_portal_notify_links"
# Context key set by the share panel's SMS and email buttons: the id of the
# link whose settings the message's own link copies.
SHARE_CONTEXT_KEY = "jingjai_portal_share_link_id"
# Context key of a click on Send (the share panel's "Send by email" of a
# quote): check what the email needs before the dialog opens.
SEND_CHECK_CONTEXT_KEY = "jingjai_portal_send_check"
# Context key of the access-code email template: the code it sends.
ACCESS_CODE_CONTEXT_KEY = "jingjai_portal_access_code"
# Context key of the payment wizard opened from a slip: the slip it registers.
SLIP_CONTEXT_KEY = "jingjai_portal_slip_id"
# Context key of the accepted-quote email: the order just accepted.
ACCEPTED_ORDER_CONTEXT_KEY = "jingjai_portal_accepted_order_id"
# Context key tests set to move a link's clock ("now").
NOW_CONTEXT_KEY = "jingjai_portal_now"
