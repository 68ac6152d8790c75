"""The multi-replica deployment: Streamlit replicas behind nginx, one PostgreSQL, one cache.

``python -m deploy start|status|stop``; see README, "Deploying".
"""
