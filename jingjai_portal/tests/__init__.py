from . import test_jingjai_portal_link
from . import test_portal_link_pages
from . import test_staff_tour
