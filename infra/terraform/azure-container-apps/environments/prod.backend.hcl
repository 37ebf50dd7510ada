# Remote state of the prod environment: `terraform init -backend-config=environments/prod.backend.hcl`.
# The storage account is created once by hand (docs/operations.md, "Deploy from zero").
resource_group_name  = "assay-tfstate"
storage_account_name = "assaytfstate"
container_name       = "tfstate"
key                  = "prod.terraform.tfstate"
use_azuread_auth     = true
