"""aidtrack's domain: the store, queries, money, codes and charts. Never imports streamlit."""
