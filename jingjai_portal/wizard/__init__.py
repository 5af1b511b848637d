from . import jingjai_portal_link_generate
from . import account_payment_register
