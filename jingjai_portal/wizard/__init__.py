from . import jingjai_portal_link_generate
from . import mail_compose_message
from . import account_payment_register
