"""The registry of outdoor-worker service stations (户外劳动者服务站点)."""
