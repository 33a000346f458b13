"""The batch store: sites, runs, jobs, scans, findings, cookies, domain leases.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
        sa.UniqueConstraint("url", name="uq_sites_url"),
    )
    op.create_index("ix_sites_domain", "sites", ["domain"])

    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("config_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        sa.UniqueConstraint("label", name="uq_runs_label"),
    )

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.Text(), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_jobs_run_id_runs", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_jobs_site_id_sites"),
        sa.UniqueConstraint("run_id", "site_id", name="uq_jobs_run_id_site_id"),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'unreachable', 'failed')",
                           name="ck_jobs_status"),
    )
    op.create_index("ix_jobs_run_id_status", "jobs", ["run_id", "status"])

    op.create_table(
        "scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("high", sa.Integer(), nullable=False),
        sa.Column("medium", sa.Integer(), nullable=False),
        sa.Column("low", sa.Integer(), nullable=False),
        sa.Column("findings_total", sa.Integer(), nullable=False),
        sa.Column("tool_version", sa.Text(), nullable=False),
        sa.Column("config_hash", sa.Text(), nullable=False),
        sa.Column("report_paths", sa.JSON(), nullable=False),
        sa.Column("result_gz", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scans"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_scans_job_id_jobs", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_scans_site_id_sites"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_scans_run_id_runs", ondelete="CASCADE"),
        sa.UniqueConstraint("job_id", name="uq_scans_job_id"),
    )
    op.create_index("ix_scans_site_id", "scans", ["site_id"])
    op.create_index("ix_scans_run_id", "scans", ["run_id"])

    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("scenario", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("ignored", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        sa.ForeignKeyConstraint(["scan_id"], ["scans.id"], name="fk_findings_scan_id_scans", ondelete="CASCADE"),
    )
    op.create_index("ix_findings_scan_id", "findings", ["scan_id"])
    op.create_index("ix_findings_rule", "findings", ["rule"])

    op.create_table(
        "cookies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("party", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("vendor", sa.Text(), nullable=True),
        sa.Column("requested_lifetime_days", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cookies"),
        sa.ForeignKeyConstraint(["scan_id"], ["scans.id"], name="fk_cookies_scan_id_scans", ondelete="CASCADE"),
    )
    op.create_index("ix_cookies_scan_id", "cookies", ["scan_id"])

    op.create_table(
        "domain_leases",
        sa.Column("domain", sa.Text(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("domain", name="pk_domain_leases"),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_domain_leases_job_id_jobs", ondelete="SET NULL"),
    )


def downgrade() -> None:
    for table in ("domain_leases", "cookies", "findings", "scans", "jobs", "runs", "sites"):
        op.drop_table(table)
