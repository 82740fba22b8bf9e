"""People who use the product: accounts and sign-in, agent states and pauses, API tokens and
passwords."""
