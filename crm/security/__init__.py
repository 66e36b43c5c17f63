"""Trust at the door: one way in, a second factor that holds, accounts only for
their owners.

Every login runs django-allauth's flow (lockout by django-axes, the second
factor, the verified-email rule); these modules hold what the project adds to
it: who needs a second factor, how many wrong codes a login may try, how the
client's address is read behind a proxy, and the audited reset of a lost
authenticator.
"""
