"""Member area and account views. Each view: access helper, form, service, reply."""
