"""The long-running processes beside the web app: the demo supervisor, the AMI listener's side."""
