from . import test_jingjai_portal_link
from . import test_portal_link_pages
from . import test_staff_tour
from . import test_fuzz
from . import test_portal_link_invoice
from . import test_quote_links
from . import test_quote_link_pages
from . import test_access_codes
