# Atlas CLI environments for the four migration directories, for people who use the CLI
# (`atlas migrate validate --env api_postgres`, `atlas migrate lint`, `atlas migrate status`).
# Nothing in the build depends on this file: `make migrate-diff name=…` writes the files
# through the Atlas Go library, and the assay binary applies them (`assay migrate up`).
#
# The app records applied files in its own table, atlas_schema_revisions in the connected
# schema, with the same columns as the CLI's. The CLI defaults to a separate
# atlas_schema_revisions schema on Postgres, so do not mix `atlas migrate apply` with
# `assay migrate up` on one database.
#
# Run from this directory. Databases come from the app's variables; the Postgres dev
# database must be an empty scratch database (DEV_POSTGRES_URL, e.g. …/assay_dev).

locals {
  sqlite_dev   = "sqlite://dev?mode=memory"
  postgres_dev = getenv("DEV_POSTGRES_URL")
}

env "web_sqlite" {
  src = "ent://../ent/web/schema"
  url = getenv("WEB_DATABASE_URL")
  dev = local.sqlite_dev
  migration {
    dir = "file://web/sqlite"
  }
}

env "web_postgres" {
  src = "ent://../ent/web/schema"
  url = getenv("WEB_DATABASE_URL")
  dev = local.postgres_dev
  migration {
    dir = "file://web/postgres"
  }
}

env "api_sqlite" {
  src = "ent://../ent/api/schema"
  url = getenv("API_DATABASE_URL")
  dev = local.sqlite_dev
  migration {
    dir = "file://api/sqlite"
  }
}

env "api_postgres" {
  src = "ent://../ent/api/schema"
  url = getenv("API_DATABASE_URL")
  dev = local.postgres_dev
  migration {
    dir = "file://api/postgres"
  }
}
