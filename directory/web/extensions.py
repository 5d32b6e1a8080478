"""Every Flask extension object, bound to the app in directory/web/__init__.py."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# No default limit: limits are set on the routes that need them (login, sign-up, reset, fetch).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
