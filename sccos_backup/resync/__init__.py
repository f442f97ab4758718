"""The re-sync of Elasticsearch and Redis after a restore: the sync:data Jenkins job."""
