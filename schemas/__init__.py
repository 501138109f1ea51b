"""Contracts shared by every skillsreg service: msgspec Structs only.

Contexts never import each other's code; they meet here.
"""
