"""The Kubernetes validating admission webhook: a thin adapter over the one pipeline.

app.py (ASGI endpoints) -> review.py (AdmissionReview in/out) -> decide.py (declarations, then the
deploy-stage controls via policy_engine.pipeline.run_audit) with podspec.py (Pod templates, images),
workload.py (the Workload artifact from annotations), regions.py (residency) and evidence.py (the
verified declarations). server.py runs it under uvicorn with TLS. No other module imports this package.
"""
