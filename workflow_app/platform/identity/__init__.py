"""Identity and access: users, groups, memberships, tokens, passwords, certificates; who may see and do
what; browser login (docs/security.md).
"""
