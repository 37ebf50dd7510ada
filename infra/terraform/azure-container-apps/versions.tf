terraform {
  required_version = ">= 1.9.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.50"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # Partial configuration: `terraform init -backend-config=environments/<env>.backend.hcl`
  # names the state storage account, container and key of each environment.
  backend "azurerm" {}
}

# The subscription comes from ARM_SUBSCRIPTION_ID; CI signs in with OIDC (ARM_USE_OIDC).
provider "azurerm" {
  storage_use_azuread = true

  features {
    key_vault {
      purge_soft_delete_on_destroy    = false
      recover_soft_deleted_key_vaults = true
    }
    resource_group {
      prevent_deletion_if_contains_resources = true
    }
  }
}
