from . import jingjai_portal_link_generate
from . import mail_compose_message
