
# Claude Enterprise uses one key for the whole organization: there is no workspace to attach.
