"""Resolves a template's property values against a deployed stack, and compares them with
what the AWS APIs report.

A value the template can only know after deployment (a Ref or an Fn::GetAtt ...Arn) becomes a
Pattern that matches the deployed physical ID or any ARN built from it. A value that cannot be
worked out (an attribute moto does not report, a resource moto skipped) is Unresolved: a
comparison with it is reported as not verified, never as passed.
"""

import re

PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": None}


class Unresolved:
    """A template value that cannot be worked out from what was deployed."""

    def __init__(self, why):
        self.why = why

    def __repr__(self):
        return f"<unresolved: {self.why}>"


class Pattern:
    """A template value known only as a regular expression over the deployed value."""

    def __init__(self, regex, text):
        self.regex = regex
        self.text = text

    def matches(self, got):
        return isinstance(got, str) and re.fullmatch(self.regex, got) is not None

    def __repr__(self):
        return self.text


def physical_pattern(physical, logical):
    """Matches the physical ID itself or an ARN or path in which it is one whole segment."""
    p = re.escape(physical)
    return Pattern(rf"(?:.*[:/])?{p}(?:[:/].*)?", f"<{logical}: {physical}>")


class Resolver:
    """Resolves intrinsic functions with the deployed stack's physical IDs and exports."""

    def __init__(self, physical, account, region, stack_name, exports=None, outputs=None):
        self.physical = physical  # logical ID -> physical ID of what moto created
        self.pseudo = dict(PSEUDO, **{"AWS::AccountId": account, "AWS::Region": region, "AWS::StackName": stack_name})
        self.exports = exports or {}  # export name -> value
        self.outputs = outputs or {}  # (stack name, output key) -> value

    def resolve(self, value):
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((fn, arg),) = value.items()
            handler = {
                "Ref": self._ref,
                "Fn::GetAtt": self._get_att,
                "Fn::Join": self._join,
                "Fn::Sub": self._sub,
                "Fn::ImportValue": self._import,
                "Fn::GetStackOutput": self._stack_output,
            }.get(fn)
            if handler:
                return handler(arg)
            if fn.startswith("Fn::"):
                return Unresolved(f"{fn} is not evaluated by the rehearsal")
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in value.items()) if v is not None}

    def _ref(self, name):
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.physical:
            return physical_pattern(self.physical[name], name)
        return Unresolved(f"Ref {name}: not created")

    def _get_att(self, arg):
        logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
        if attr != "Arn":
            return Unresolved(f"GetAtt {logical}.{attr}")
        return self._ref(logical)

    def _join(self, arg):
        sep, parts = arg
        parts = [self.resolve(p) for p in parts]
        return _concat([x for i, p in enumerate(parts) for x in ([sep] if i else []) + [p]])

    def _sub(self, arg):
        text, variables = (arg, {}) if isinstance(arg, str) else arg
        pieces = []
        for i, piece in enumerate(re.split(r"\$\{([^}!]+)\}", text)):
            if i % 2 == 0:
                pieces.append(piece)
            elif piece in variables:
                pieces.append(self.resolve(variables[piece]))
            elif "." in piece:
                pieces.append(self._get_att(piece.split(".", 1)))
            else:
                pieces.append(self._ref(piece))
        return _concat(pieces)

    def _import(self, name):
        name = self.resolve(name)
        if isinstance(name, str) and name in self.exports:
            return self.exports[name]
        return Unresolved(f"ImportValue {name}")

    def _stack_output(self, arg):
        # CDK's weak cross-stack references: {StackName, OutputName, Region}.
        key = (self.resolve(arg.get("StackName")), self.resolve(arg.get("OutputName")))
        if key in self.outputs:
            return self.outputs[key]
        return Unresolved(f"GetStackOutput {key[0]}.{key[1]}")


def _concat(parts):
    """Joins strings; any Pattern makes the result a Pattern; any Unresolved wins."""
    for p in parts:
        if isinstance(p, Unresolved):
            return p
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    regex = "".join(p.regex if isinstance(p, Pattern) else re.escape(str(p)) for p in parts)
    return Pattern(regex, "".join(str(p) for p in parts))


def same(want, got):
    """True when the deployed value got is what the template says, False when it is not, and
    None when the template's value could not be resolved."""
    if isinstance(want, Unresolved):
        return None
    if isinstance(want, Pattern):
        return want.matches(got)
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return False
        return _all(same(v, got.get(k)) for k, v in want.items())
    if isinstance(want, list):
        if not isinstance(got, list):
            # IAM reports a one-element list as the element itself.
            return same(want[0], got) if len(want) == 1 else False
        return len(want) == len(got) and _all(same(w, g) for w, g in zip(want, got, strict=True))
    if isinstance(got, list) and len(got) == 1:
        return same(want, got[0])
    return _scalar(want) == _scalar(got)


def _scalar(v):
    # Templates say true or "true", 7 or "7"; the APIs answer in their own types.
    if isinstance(v, bool):
        return str(v).lower()
    return str(v)


def _all(results):
    results = list(results)
    if False in results:
        return False
    if None in results:
        return None
    return True
