"""The apiserver: the only component that talks to the store."""
