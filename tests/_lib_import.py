"""Load modules of jingjai_portal/lib without importing the add-on package.

Importing ``jingjai_portal.lib.x`` would run ``jingjai_portal/__init__.py``,
which imports odoo. Loading by file path under a stand-in package name keeps
these tests fast and runnable without Odoo.
"""

import importlib.util
import sys
import types
from pathlib import Path

LIB_DIR = Path(__file__).resolve().parent.parent / "jingjai_portal" / "lib"
PACKAGE_NAME = "jingjai_portal_lib"


def _package() -> types.ModuleType:
    """Return the stand-in package, registering it on first use.

    Its ``__path__`` points at the lib folder so that relative imports
    between lib modules resolve there too.
    """
    package = sys.modules.get(PACKAGE_NAME)
    if package is None:
        package = types.ModuleType(PACKAGE_NAME)
        package.__path__ = [str(LIB_DIR)]
        sys.modules[PACKAGE_NAME] = package
    return package


def load(name: str) -> types.ModuleType:
    """Return the module ``jingjai_portal/lib/<name>.py``, loading it once."""
    package = _package()
    module_name = f"{PACKAGE_NAME}.{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, LIB_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    # Registered before running so the module can be found while it executes.
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    setattr(package, name, module)
    return module
