def slow(func):
    """Marks a test too slow to repeat under the sanitizer build."""
    func.slow = True
    return func
