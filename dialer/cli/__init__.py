"""Every ``flask`` command of the product, registered in one place."""
