"""One module per resource family; ``base`` holds the CRUD shape they share."""
