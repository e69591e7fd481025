"""Mail senders. The default writes one log line per message with no personal data (no address,
no body); SMTP is used when ``MAIL_SENDER=smtp`` and ``SMTP_HOST`` are set."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

log = logging.getLogger("portal.mail")


class LogSender:
    def send(self, message) -> None:
        log.info("mail %s delivered to log sender (kind=%s)", message.id, message.kind)


class SmtpSender:
    def __init__(self, host: str, port: int, username: str | None, password: str | None,
                 sender: str, use_tls: bool) -> None:
        self.host, self.port, self.username, self.password = host, port, username, password
        self.sender, self.use_tls = sender, use_tls

    def send(self, message) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email.set_content(message.body)
        with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)


def sender_from_config(config) -> LogSender | SmtpSender:
    if config.get("MAIL_SENDER") == "smtp" and config.get("SMTP_HOST"):
        return SmtpSender(config["SMTP_HOST"], int(config.get("SMTP_PORT", 587)), config.get("SMTP_USERNAME"),
                          config.get("SMTP_PASSWORD"), config.get("MAIL_FROM", "portal@localhost"),
                          bool(config.get("SMTP_TLS", True)))
    return LogSender()
