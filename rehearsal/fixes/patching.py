"""How the fixes replace moto's internals.

Every fix module keeps the moto code it wraps from when it was imported, before any fix ran, so
applying a fix again sets the same replacement instead of wrapping its own wrapper. Every
replacement is recorded, so a test can put moto back and try one fix alone.
"""

_INHERITED = object()  # the owner did not hold the attribute itself
_originals = {}  # (owner, name) -> what the owner held before its first replacement


def replace(owner, name, value):
    """Sets owner.name (a class's or a module's attribute) to value."""
    key = (owner, name)
    if key not in _originals:
        _originals[key] = vars(owner).get(name, _INHERITED)
    setattr(owner, name, value)


def restore_all():
    """Puts back everything replace() replaced: moto as it was before any fix."""
    for (owner, name), value in _originals.items():
        if value is _INHERITED:
            delattr(owner, name)
        else:
            setattr(owner, name, value)
    _originals.clear()


def around_create(model, fix):
    """A create_from_cloudformation_json for model that calls fix(create, properties, account_id,
    region_name), where create() runs moto's own and properties are the resource's Properties."""
    create = model.create_from_cloudformation_json.__func__

    def wrapped(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        return fix(
            lambda: create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs),
            cloudformation_json.setdefault("Properties", {}),
            account_id,
            region_name,
        )

    return classmethod(wrapped)
