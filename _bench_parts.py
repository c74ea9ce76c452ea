"""Run only bench parts 1-4 (round trips, the authorizer's throughput, cold start) and print them."""
import os, sys, warnings
from bench import env
server = env.MotoServer()
try:
    env.apply_environment(server.endpoint)
    warnings.filterwarnings("ignore")
    out = sys.stdout
    say = lambda text: print(text, file=out, flush=True)
    sys.stdout = open(os.devnull, "w")
    from bench import authcache, coldstart, routes, world
    env.create_table(server.endpoint)
    table = env.Table(env.client(server.endpoint))
    w = world.build_world()
    keys = {"authorizer_token", "authorizer_token_first_use", "get_user", "list_emails", "api_root",
            "authorizer_user", "get_authorization", "list_authorizations"}
    routes.run(w, table, env.client(server.endpoint), 10, 2, say, only=keys)
    authcache.run(w, 3.0, say)
    coldstart.run(w, table, server.endpoint, int(sys.argv[1]) if len(sys.argv) > 1 else 5, say)
finally:
    sys.stdout = sys.__stdout__
    server.stop()
