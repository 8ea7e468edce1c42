"""The Kubernetes validating admission webhook: a thin adapter over the one pipeline.

app.py (ASGI endpoints) -> review.py (AdmissionReview in/out) -> decide.py (declarations, then the
deploy-stage controls via policy_engine.pipeline.run_audit) and evidence.py (the verified declarations).
The Workload artifact comes from the artifact layer (policy_engine.artifacts.k8s_workload, with
k8s_podspec for Pod templates and images and k8s_regions for residency), the same builder that
``complyai audit`` uses on manifest files, so admission and CI judge a workload alike.
server.py runs it under uvicorn with TLS. No other module imports this package.
"""
