from . import portal_link
