"""Small helpers more than one test file needs (each was written out in several files before)."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db


def import_into(app, path, **kwargs):
    """Run an HSDS import the way ``flask hsds import`` does (validate, write, commit) and return
    its report."""
    from portal.hsds.importer import finish_import, import_dataset

    with app.app_context():
        report = import_dataset(db.session, path, **kwargs)
        finish_import(db.session, report)
        return report


def bearer(app, email: str = "worker@demo.local") -> dict:
    """Authorization header with a fresh API token acting as ``email``."""
    from portal.accounts.models import User
    from portal.accounts.operations import create_token

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        _token, secret = create_token(user, days=1)
        db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def rename_first_active_service(app, new_name: str, field: str = "name_zh") -> str:
    """Save a new name on the first active service (by id) and commit; returns its id."""
    from portal.directory.models import Service

    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.status == "active").order_by(Service.id).limit(1))
        setattr(service, field, new_name)
        db.session.commit()
        return service.id


def sidecar_contents(path) -> dict:
    """Everything a searcher reads from one sidecar file: its table and each word's postings
    (compared instead of bytes: marshal marks objects shared or interned, which depends on how the
    writing process made them, not on their values)."""
    from portal.search import sidecar

    with open(path, "rb") as file:
        size = sidecar._read_table(file)["size"]
    found = sidecar.Sidecar.open(path, size)
    assert found is not None, f"{path} is not a usable sidecar"
    try:
        words = {word: found.get(word) for word in found.words()}
        return {"size": size, "pinyin": found.pinyin, "stored": found.stored,
                "words": {word: (p.fields, p.order.tolist(), p.values.tolist(), p.counts.tolist())
                          for word, p in words.items()},
                "pairs": (found._pair_keys.tolist(), found._pair_ends.tolist(),
                          [found.key_documents(k).tolist() for k in found._pair_keys.tolist()])}
    finally:
        found.close()
