from . import jingjai_portal_link_generate
