// Package infra holds the deployment files of Assay — the container image (Dockerfile),
// the local environment (compose.yaml), the Azure Container Apps Terraform module and the
// GitHub Actions workflows — and the tests that validate them offline: the image's build
// command produces a static binary, every Terraform file parses and its variables and
// references resolve, each environment sets what it must, and actionlint passes.
package infra
