from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Please enter your email.")),
                                                Email(message=_l("Please enter a valid email address.")),
                                                Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Please enter your password.")),
                                                         Length(max=500)])
    remember = BooleanField(_l("Keep me signed in on this device"))
