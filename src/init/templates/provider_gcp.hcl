
# Google Cloud credentials come from Application Default Credentials
# (gcloud auth application-default login, or a workload identity).
provider "gcp" {
  project = "my-gcp-project" # TODO: the project that holds the key ring
}
