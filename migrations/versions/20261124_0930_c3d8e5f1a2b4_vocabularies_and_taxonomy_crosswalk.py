"""the portal's vocabularies as product data; taxonomy crosswalk; origin of attribute links

Schema: ``crosswalk_mapping`` (source term → our term, editable by admins) and ``attribute.origin`` /
``origin_note`` (mapped, inferred, confirmed).

Data: installs the portal's own vocabularies (category, care_stage, population, condition,
delivery_mode, department) from ``portal/vocab/data/vocabularies.json`` and the shipped crosswalk rows
(``portal/crosswalk/data/*.json``), so that a fresh database without demo data can match. Missing
rows only (found by name and code; ids are the same uuid5 ids the demo seed always used), with core
statements over the columns this revision knows, so later model changes cannot break it. Later
vocabulary changes are installed by ``flask vocab install`` (run by ``make run``).

Revision ID: c3d8e5f1a2b4
Revises: b7e2c41d9a10
Create Date: 2026-11-24 09:30:00

"""
import json
import uuid
from datetime import datetime, timezone
from pathlib import Path

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d8e5f1a2b4'
down_revision = 'b7e2c41d9a10'
branch_labels = None
depends_on = None

_ROOT = Path(__file__).resolve().parents[2] / "portal"
_NAMESPACE = uuid.UUID("5b6c3f0e-8a61-4d1e-9c1a-6a1f0d2c7e42")


def upgrade():
    op.create_table('crosswalk_mapping',
    sa.Column('source_vocabulary', sa.String(length=80), nullable=False),
    sa.Column('source_code', sa.String(length=80), nullable=True),
    sa.Column('source_name', sa.String(length=200), nullable=True),
    sa.Column('source_name_key', sa.String(length=200), nullable=True),
    sa.Column('target_term_id', sa.String(length=36), nullable=False),
    sa.Column('value', sa.String(length=10), nullable=False),
    sa.Column('shipped_in', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('source_code IS NOT NULL OR source_name IS NOT NULL', name=op.f('ck_crosswalk_mapping_source_given')),
    sa.CheckConstraint("value IN ('serves', 'only')", name=op.f('ck_crosswalk_mapping_value_known')),
    sa.ForeignKeyConstraint(['target_term_id'], ['taxonomy_term.id'], name=op.f('fk_crosswalk_mapping_target_term_id_taxonomy_term'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crosswalk_mapping'))
    )
    with op.batch_alter_table('crosswalk_mapping', schema=None) as batch_op:
        batch_op.create_index('ix_crosswalk_mapping_name', ['source_name_key'], unique=False)
        batch_op.create_index('ix_crosswalk_mapping_source', ['source_vocabulary', 'source_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_crosswalk_mapping_target_term_id'), ['target_term_id'], unique=False)

    with op.batch_alter_table('attribute', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('origin_note', sa.String(length=300), nullable=True))
        batch_op.create_check_constraint(
            'origin_known', "origin IS NULL OR origin IN ('mapped', 'inferred', 'confirmed')")

    install_data(op.get_bind())


def downgrade():
    with op.batch_alter_table('attribute', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_attribute_origin_known'), type_='check')
        batch_op.drop_column('origin_note')
        batch_op.drop_column('origin')
    with op.batch_alter_table('crosswalk_mapping', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crosswalk_mapping_target_term_id'))
        batch_op.drop_index('ix_crosswalk_mapping_source')
        batch_op.drop_index('ix_crosswalk_mapping_name')
    op.drop_table('crosswalk_mapping')
    # The vocabularies stay: services link to them.


_taxonomy = sa.table('taxonomy', sa.column('id', sa.String), sa.column('name', sa.String),
                     sa.column('description', sa.Text))
_term = sa.table('taxonomy_term', sa.column('id', sa.String), sa.column('code', sa.String),
                 sa.column('name_zh', sa.String), sa.column('name_en', sa.String),
                 sa.column('description', sa.Text), sa.column('taxonomy_id', sa.String),
                 sa.column('position', sa.Integer), sa.column('parent_id', sa.String))
_mapping = sa.table('crosswalk_mapping', sa.column('id', sa.String), sa.column('source_vocabulary', sa.String),
                    sa.column('source_code', sa.String), sa.column('source_name', sa.String),
                    sa.column('source_name_key', sa.String), sa.column('target_term_id', sa.String),
                    sa.column('value', sa.String), sa.column('shipped_in', sa.String), sa.column('note', sa.Text),
                    sa.column('created_at', sa.DateTime(timezone=True)),
                    sa.column('updated_at', sa.DateTime(timezone=True)))


def install_data(bind):
    data = json.loads((_ROOT / "vocab" / "data" / "vocabularies.json").read_text(encoding="utf-8"))
    taxonomies = dict(bind.execute(sa.select(_taxonomy.c.name, _taxonomy.c.id)).all())
    terms = {}
    for vocab in data["vocabularies"]:
        name = vocab["name"]
        if name not in taxonomies:
            taxonomies[name] = str(uuid.uuid5(_NAMESPACE, f"taxonomy:{name}"))
            bind.execute(_taxonomy.insert().values(id=taxonomies[name], name=name, description=vocab["description"]))
        existing = dict(bind.execute(sa.select(_term.c.code, _term.c.id)
                                     .where(_term.c.taxonomy_id == taxonomies[name])).all())
        rows = []
        for position, term in enumerate(vocab["terms"], start=1):
            if term["code"] in existing:
                terms[(name, term["code"])] = existing[term["code"]]
                continue
            ident = str(uuid.uuid5(_NAMESPACE, f"taxonomy_term:{name}:{term['code']}"))
            terms[(name, term["code"])] = ident
            rows.append(dict(id=ident, code=term["code"], name_zh=term["name_zh"], name_en=term["name_en"],
                             description=term.get("description"), taxonomy_id=taxonomies[name], position=position,
                             # a narrower term points at its broader one (listed before it in the file)
                             parent_id=(str(uuid.uuid5(_NAMESPACE, f"taxonomy_term:{name}:{term['broader']}"))
                                        if term.get("broader") else None)))
        if rows:
            bind.execute(_term.insert(), rows)

    now = datetime.now(timezone.utc)
    rows = []
    for path in sorted((_ROOT / "crosswalk" / "data").glob("*.json")):
        shipped = json.loads(path.read_text(encoding="utf-8"))
        for item in shipped["mappings"]:
            for target in item["targets"]:
                vocabulary, _, code = target.partition(":")
                name = item.get("name")
                rows.append(dict(
                    id=str(uuid.uuid4()),
                    source_vocabulary=item.get("source_vocabulary") or shipped.get("source_vocabulary") or "*",
                    source_code=item.get("code"), source_name=name,
                    source_name_key=" ".join(name.replace("&amp;", "&").lower().split()) if name else None,
                    target_term_id=terms[(vocabulary, code)], value=item.get("value", "serves"),
                    shipped_in=shipped["name"],
                    note=("Open Eligibility ids " + ", ".join(item["oe_ids"])) if item.get("oe_ids") else None,
                    created_at=now, updated_at=now))
    if rows:
        bind.execute(_mapping.insert(), rows)
