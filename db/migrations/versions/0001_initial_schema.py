"""initial schema

Revision ID: 0001
Revises: 

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('cycles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.CheckConstraint("state IN ('planning','active','closed')", name=op.f('ck_cycles_state')),
    sa.CheckConstraint('end_date > start_date', name=op.f('ck_cycles_dates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycles')),
    sa.UniqueConstraint('name', name=op.f('uq_cycles_name'))
    )
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycles_state'), ['state'], unique=False)

    op.create_table('settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['teams.id'], name=op.f('fk_teams_parent_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_teams_name'))
    )
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_lead_id'), ['lead_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_teams_parent_id'), ['parent_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('manager_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('admin','executive','lead','member')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_users_manager_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_users_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_manager_id'), ['manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_team_id'), ['team_id'], unique=False)

    # teams.lead_id and users.team_id reference each other: add this one once both exist.
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_teams_lead_id_users', 'users', ['lead_id'], ['id'])

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_audit_log_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('objectives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("level IN ('company','team','individual')", name=op.f('ck_objectives_level')),
    sa.CheckConstraint("state IN ('draft','active','closed','archived')", name=op.f('ck_objectives_state')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_objectives_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_objectives_owner_id_users')),
    sa.ForeignKeyConstraint(['parent_id'], ['objectives.id'], name=op.f('fk_objectives_parent_id_objectives')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_objectives_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objectives'))
    )
    with op.batch_alter_table('objectives', schema=None) as batch_op:
        batch_op.create_index('ix_objectives_cycle_level', ['cycle_id', 'level'], unique=False)
        batch_op.create_index('ix_objectives_cycle_team', ['cycle_id', 'team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objectives_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objectives_parent_id'), ['parent_id'], unique=False)

    op.create_table('key_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('objective_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('currency_code', sa.String(length=3), nullable=True),
    sa.Column('unit_label', sa.String(length=40), nullable=True),
    sa.Column('start_value', sa.Float(), nullable=True),
    sa.Column('target_value', sa.Float(), nullable=True),
    sa.Column('current_value', sa.Float(), nullable=True),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=True),
    sa.Column('last_checkin_at', sa.DateTime(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('score_reason', sa.Text(), nullable=True),
    sa.Column('score_confirmed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('increase','decrease','stay_above','stay_below','milestone')", name=op.f('ck_key_results_kind')),
    sa.CheckConstraint("unit IN ('number','percent','currency','text')", name=op.f('ck_key_results_unit')),
    sa.CheckConstraint('weight > 0', name=op.f('ck_key_results_weight')),
    sa.ForeignKeyConstraint(['objective_id'], ['objectives.id'], name=op.f('fk_key_results_objective_id_objectives')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_key_results_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_results'))
    )
    with op.batch_alter_table('key_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_results_objective_id'), ['objective_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_results_owner_id'), ['owner_id'], unique=False)

    op.create_table('check_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_result_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('confidence IS NULL OR (confidence BETWEEN 0 AND 10)', name=op.f('ck_check_ins_confidence')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_check_ins_author_id_users')),
    sa.ForeignKeyConstraint(['key_result_id'], ['key_results.id'], name=op.f('fk_check_ins_key_result_id_key_results')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins'))
    )
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_ins_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_check_ins_kr_time', ['key_result_id', 'created_at'], unique=False)
        batch_op.create_index('ix_check_ins_time', ['created_at'], unique=False)

    op.create_table('kudos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('receiver_user_id', sa.Integer(), nullable=True),
    sa.Column('receiver_team_id', sa.Integer(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('objective_id', sa.Integer(), nullable=True),
    sa.Column('key_result_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(receiver_user_id IS NULL) <> (receiver_team_id IS NULL)', name=op.f('ck_kudos_one_receiver')),
    sa.ForeignKeyConstraint(['giver_id'], ['users.id'], name=op.f('fk_kudos_giver_id_users')),
    sa.ForeignKeyConstraint(['key_result_id'], ['key_results.id'], name=op.f('fk_kudos_key_result_id_key_results')),
    sa.ForeignKeyConstraint(['objective_id'], ['objectives.id'], name=op.f('fk_kudos_objective_id_objectives')),
    sa.ForeignKeyConstraint(['receiver_team_id'], ['teams.id'], name=op.f('fk_kudos_receiver_team_id_teams')),
    sa.ForeignKeyConstraint(['receiver_user_id'], ['users.id'], name=op.f('fk_kudos_receiver_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kudos'))
    )
    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kudos_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kudos_giver_id'), ['giver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kudos_receiver_team_id'), ['receiver_team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kudos_receiver_user_id'), ['receiver_user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kudos_receiver_user_id'))
        batch_op.drop_index(batch_op.f('ix_kudos_receiver_team_id'))
        batch_op.drop_index(batch_op.f('ix_kudos_giver_id'))
        batch_op.drop_index(batch_op.f('ix_kudos_created_at'))

    op.drop_table('kudos')
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index('ix_check_ins_time')
        batch_op.drop_index('ix_check_ins_kr_time')
        batch_op.drop_index(batch_op.f('ix_check_ins_author_id'))

    op.drop_table('check_ins')
    with op.batch_alter_table('key_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_results_owner_id'))
        batch_op.drop_index(batch_op.f('ix_key_results_objective_id'))

    op.drop_table('key_results')
    with op.batch_alter_table('objectives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objectives_parent_id'))
        batch_op.drop_index(batch_op.f('ix_objectives_owner_id'))
        batch_op.drop_index('ix_objectives_cycle_team')
        batch_op.drop_index('ix_objectives_cycle_level')

    op.drop_table('objectives')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity')
        batch_op.drop_index(batch_op.f('ix_audit_log_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))

    op.drop_table('audit_log')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_constraint('fk_teams_lead_id_users', type_='foreignkey')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_team_id'))
        batch_op.drop_index(batch_op.f('ix_users_manager_id'))

    op.drop_table('users')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teams_parent_id'))
        batch_op.drop_index(batch_op.f('ix_teams_lead_id'))

    op.drop_table('teams')
    op.drop_table('settings')
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycles_state'))

    op.drop_table('cycles')
