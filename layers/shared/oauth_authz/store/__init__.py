"""The single table: key builders (`keys`), items (`items`), the plumbing every call goes through (`table`),
the request path's repository (`repository`) and the admin CLI's operations (`admin`)."""
