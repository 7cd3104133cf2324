"""Shared pieces of the kernel-vs-reference tests (not a test module)."""


def activation_plan(activation, rng, n, rate=0.5):
    """The activation draws one tick of ``activation`` takes: an order (random_sequential),
    an active mask (random_async, each agent with probability ``rate``) or none."""
    if activation == "random_sequential":
        return {"order": rng.permutation(n)}
    if activation == "random_async":
        return {"active": rng.random(n) < rate}
    return {}
