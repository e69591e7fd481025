from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..validators import EmailAddress


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Please enter your email.")),
                                                EmailAddress(),
                                                Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Please enter your password.")),
                                                         Length(max=500)])
    remember = BooleanField(_l("Keep me signed in on this device"))
