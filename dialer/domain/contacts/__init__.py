"""The product's own CRM: contacts by number, Report XCM notes, and the history of calls."""
