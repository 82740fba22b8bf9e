"""RQ jobs: thin functions over ids that call the domain; each is safe to run twice."""
