-- Runs once, when the local Postgres volume is first initialised: one database per app.
-- The web app owns assay_web, the API and workers own assay_api (they never share one).
CREATE DATABASE assay_web;
CREATE DATABASE assay_api;
