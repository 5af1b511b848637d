from . import jingjai_portal_link_mixin
from . import jingjai_portal_link
from . import jingjai_portal_link_view
from . import res_company
from . import res_config_settings
from . import res_partner
from . import sale_order
from . import account_move
