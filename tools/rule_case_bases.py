"""Fully compliant artifact bundles from which tools/make_rule_cases.py derives the ruleset test cases.

Each bundle is one system as the rule cases see it: a model card, the data manifest it was trained and
tested on, the SBOM of the shipped image and (for deploy-stage controls) the Kubernetes workload that
runs it. Every bundle satisfies every control of every bundled ruleset at the cases' evaluation date
(``AS_OF``), and is *rich*: it makes as many conditional controls applicable as a coherent system can,
so that a single-field mutation shows each control firing. Values are in vocabulary form (the ``spec``
of the complyai envelopes; ``sbom`` is the normalised view that tools/make_rule_cases.py writes as
CycloneDX 1.6 JSON).
"""

from __future__ import annotations

from typing import Any

# Late enough that every obligation (including the announced postponements) is in force; the review,
# audit and attestation dates below are recent at this date (age_days <= 365).
AS_OF = "2028-09-01"


def _attest(by: str, role: str, date: str, ref: str) -> dict[str, str]:
    return {"status": "attested", "by": by, "role": role, "date": date, "ref": ref}


DOCS = "https://docs.nordlicht-kredit.example/ai/scoring-v2"

CREDIT_CARD: dict[str, Any] = {
    "name": "Nordlicht consumer credit scoring",
    "version": "2.3.0",
    "kind": "ai_system",
    "processes_personal_data": True,
    "market": {"eu_market": True, "open_source": False, "placed_on_market_date": "2026-10-01"},
    "provider": {"name": "Nordlicht Kreditbank AG", "established_in_eu": True,
                 "contact_address": "Mainzer Landstraße 50, 60325 Frankfurt am Main, Germany"},
    "intended_use": {
        "purpose": "Estimate the probability of default of consumer loan applicants (Annex III 5(b)).",
        "domains": ["credit_scoring"],
        "affected_persons": ["consumers"],
        "out_of_scope_uses": ["employment screening", "insurance pricing", "fully automated rejection"],
        "medical_or_safety_purpose": False,
    },
    "capabilities": ["profiling", "decision_support", "automated_decision", "explanations"],
    "risk": {
        "tier": "high",
        "annex_iii_categories": ["5-essential-services"],
        "art6_3_derogation": {"claimed": False},
        "art5_screening": {k: False for k in (
            "manipulation", "exploitation_of_vulnerabilities", "social_scoring", "predictive_policing_profiling",
            "facial_image_scraping", "emotion_recognition_work_education", "biometric_categorisation_sensitive",
            "realtime_rbi_law_enforcement", "sexual_deepfake_or_csam")},
    },
    "risk_management": {
        "ref": f"{DOCS}/risk-management-file.pdf",
        "last_reviewed": "2028-06-15",
        "foreseeable_misuse": ["use of scores for marketing segmentation", "scoring applicants under 18"],
        "residual_risks": ["lower calibration for thin-file applicants"],
        "vulnerable_groups_considered": True,
    },
    "datasets": [{"manifest_ref": "data_manifest.yaml", "split": "training"},
                 {"manifest_ref": "data_manifest.yaml", "split": "testing"}],
    "technical_documentation": {
        "ref": f"{DOCS}/annex-iv.pdf", "version": "2.3.0",
        "hardware_requirements": "x86-64, 4 vCPU, 8 GiB RAM; no accelerator",
        "distribution_forms": ["saas", "api"],
        "design_specifications": f"{DOCS}/design.md", "system_architecture": f"{DOCS}/architecture.md",
        "compute_resources": "Training: 96 vCPU-hours on a managed cluster (eu-central-1)",
        "predetermined_changes": f"{DOCS}/change-envelope.md", "change_log": f"{DOCS}/CHANGELOG.md",
    },
    "sbom_ref": "sbom.cdx.json",
    "lineage": {"base_model": "ProsusAI/finbert", "base_model_provider": "Prosus AI",
                "substantial_modification": True, "modification_date": "2028-01-10"},
    "evaluation": {
        "metrics": [{"name": "roc_auc", "value": 0.87, "threshold": 0.8, "dataset": "holdout-2027Q4",
                     "rationale": "Ranking quality is what the credit officer relies on."}],
        "subgroup_metrics": [{"group": "age_18_25", "metric": "roc_auc", "value": 0.84}],
        "known_limitations": ["thin-file applicants (< 2 credit lines) are scored with lower confidence"],
        "test_reports": [{"ref": f"{DOCS}/test-report-2.3.0.pdf", "date": "2028-02-01",
                          "signed_by": "Dr. Katrin Vogel, Head of Model Validation"}],
        "robustness_tests": f"{DOCS}/robustness.pdf",
        "adversarial_testing": f"{DOCS}/red-team-2028.pdf",
    },
    "robustness": {"continual_learning": True, "fail_safe_plan": f"{DOCS}/fail-safe.md",
                   "feedback_loop_mitigation": f"{DOCS}/feedback-loops.md"},
    "security": {"threats_assessed": ["data_poisoning", "model_poisoning", "adversarial_examples",
                                      "confidentiality_attacks", "model_exfiltration"],
                 "weights_protection_ref": f"{DOCS}/weights-protection.md"},
    "logging": {"automatic_event_logging": True,
                "events": ["risk_situations", "substantial_modifications", "post_market_signals"]},
    "instructions_for_use": {
        "ref": f"{DOCS}/instructions-for-use.pdf",
        "includes": ["provider_identity", "intended_purpose", "accuracy_metrics", "robustness_cybersecurity",
                     "known_risks", "explainability", "subgroup_performance", "input_data_specs",
                     "human_oversight_measures", "compute_requirements", "expected_lifetime_maintenance",
                     "logging_mechanism", "predetermined_changes"],
    },
    "human_oversight": {"ref": f"{DOCS}/human-oversight.md",
                        "measures": ["override", "stop_button", "automation_bias_guidance", "output_review"]},
    "qms": {"ref": "https://qms.nordlicht-kredit.example/iso42001"},
    "documentation": {"retention_years": 10},
    "conformity": {
        "assessment_procedure": "internal_control_annex_vi",
        "harmonised_standards_fully_applied": False,
        "standards_applied": ["ISO/IEC 42001:2023", "ISO/IEC 23894:2023"],
        "declaration": {
            "ref": f"{DOCS}/eu-declaration-of-conformity.json", "machine_readable": True,
            "system_reference": "NKB-CS-2.3.0",
            "provider_name_address": "Nordlicht Kreditbank AG, Mainzer Landstraße 50, 60325 Frankfurt am Main",
            "sole_responsibility_statement": True, "conformity_statement": True,
            "data_protection_statement": True,
            "standards_referenced": ["ISO/IEC 42001:2023", "ISO/IEC 23894:2023"],
            "place": "Frankfurt am Main", "issued_date": "2028-02-01",
            "signatory": "Dr. Jana Richter, Chief Risk Officer", "signature_valid": True,
        },
        "ce_marking": {"affixed": True, "form": "digital"},
    },
    "registration": {"eu_database_id": "EUDB-HR-2026-004217"},
    "post_market_monitoring": {"plan_ref": f"{DOCS}/pmm-plan.md",
                               "serious_incident_procedure_ref": f"{DOCS}/serious-incidents.md",
                               "incident_report_days": 15, "incident_report_days_critical": 2,
                               "incident_report_days_death": 10},
    "automated_decision": {"solely_automated": True, "legal_or_similar_effect": True, "exception": "contract",
                           "human_review_available": True, "uses_special_categories": False,
                           "contest_channel_ref": "https://nordlicht-kredit.example/kredit/einspruch"},
    "attestations": {
        "ai_literacy": _attest("Markus Weber", "Head of Credit Operations", "2028-05-02",
                               "https://lms.nordlicht-kredit.example/courses/ai-literacy-2028"),
        "qms_operational": _attest("Sabine Krüger", "QMS Lead", "2028-04-20",
                                   "https://qms.nordlicht-kredit.example/audits/2028-internal"),
    },
}

CREDIT_MANIFEST: dict[str, Any] = {
    "version": "2027.12",
    "contains_personal_data": True,
    "contains_special_categories": True,
    "contains_phi": False,
    "subjects_in_eu": True,
    "subjects_in_india": False,
    "size": {"records": 1_284_330},
    "controller": {"name": "Nordlicht Kreditbank AG", "country": "DE", "established_in_eu": True,
                   "public_authority": False, "dpo_contact": "datenschutz@nordlicht-kredit.example",
                   "dpo_country": "DE"},
    "regulated_entity": {"hipaa_role": "none"},
    "personal_data": {"categories": ["identifiers", "contact", "financial", "employment", "racial_ethnic_origin"],
                      "subject_categories": ["adult"], "identifiability": "pseudonymised", "large_scale": True,
                      "digital_form": True, "made_public_by_subject": False},
    "schema": {"fields": [
        {"name": "applicant_id", "pii_type": "other_unique_identifier", "justification": "join key, pseudonymised"},
        {"name": "postcode_3", "pii_type": "generalised_quasi_identifier", "justification": "regional default rates"},
        {"name": "net_income_eur", "pii_type": "none"},
        {"name": "ethnicity_selfdecl", "pii_type": "ethnicity",
         "justification": "bias detection only (AI Act Art. 10(5)); removed from training features"},
    ]},
    "purposes": ["service_delivery", "ai_training", "ai_evaluation"],
    "processing_activities": ["profiling", "automated_decision", "bias_detection"],
    "collection": {"method": "direct_from_subject", "sources": ["loan application portal", "SCHUFA credit report"],
                   "original_purpose": "service_delivery", "start_date": "2027-06-01"},
    "ai_use": {"purpose": ["training", "testing"], "downstream_risk_tier": "high"},
    "lawful_basis": {"gdpr_art6": "legitimate_interests", "gdpr_art9": "substantial_public_interest",
                     "lia_ref": "https://privacy.nordlicht-kredit.example/lia/credit-scoring",
                     "compatibility_assessment_ref": "https://privacy.nordlicht-kredit.example/art6-4/credit-scoring",
                     "hipaa_permission": "not_applicable"},
    "notice": {"ref": "https://nordlicht-kredit.example/datenschutz", "frameworks": ["gdpr_art13"],
               "items": ["controller_identity", "dpo_contact", "purposes", "legal_basis", "legitimate_interests",
                         "recipients", "transfers", "retention_period", "rights", "complaint_authority",
                         "automated_decision_logic"]},
    "quality": {
        "preparation_steps": ["cleaning", "labelling", "deduplication"],
        "labelling_procedure_ref": "https://data.nordlicht-kredit.example/labelling.md",
        "assumptions": "Default within 24 months is observable for every loan in the window.",
        "bias_examination_ref": "https://data.nordlicht-kredit.example/bias-examination-2027.pdf",
        "bias_mitigation_ref": "https://data.nordlicht-kredit.example/bias-mitigation-2027.pdf",
        "known_gaps": ["few applicants over 75"],
        "representativeness_ref": "https://data.nordlicht-kredit.example/representativeness.pdf",
        "errors_assessed": True,
        "statistical_properties_ref": "https://data.nordlicht-kredit.example/datasheet.pdf",
        "declared_subgroups": ["age_18_25", "age_26_64", "age_65_plus"],
        "geographic_context": ["DE", "AT"],
        "accuracy_process_ref": "https://data.nordlicht-kredit.example/accuracy.md",
        "art10_5_safeguards": ["necessity_documented", "pseudonymised", "access_restricted", "no_onward_transfer",
                               "deleted_after_correction", "recorded_in_ropa"],
    },
    "deidentification": {"method": "pseudonymisation"},
    "scan": {"date": "2028-06-20", "pii_types_found": ["other_unique_identifier", "ethnicity"],
             "hipaa_identifiers_found": [], "special_category_detected": True, "children_data_detected": False,
             "subgroups_missing": []},
    "retention": {"period_days": 3650, "trigger": "contract_end", "erasure_method": "delete",
                  "justification": "§ 257 HGB and Basel III model validation back-testing",
                  "processor_erasure_required": True},
    "recipients": [
        {"name": "Hetzner Online GmbH", "role": "processor", "country": "DE", "agreements": ["gdpr_art28_dpa"]},
        {"name": "Kreditwerk Analytics Sp. z o.o.", "role": "sub_processor", "country": "PL",
         "agreements": ["gdpr_art28_dpa"], "authorised_by_controller": True},
        {"name": "SCHUFA Holding AG", "role": "joint_controller", "country": "DE",
         "agreements": ["joint_controller_arrangement"]},
    ],
    "transfers": [
        {"recipient": "Snowflake Inc.", "destination_country": "US", "mechanism": "eu_us_dpf",
         "recipient_dpf_certified": True},
        {"recipient": "Nordlicht Tech India Pvt Ltd", "destination_country": "IN", "mechanism": "scc",
         "tia_ref": "https://privacy.nordlicht-kredit.example/tia/india-2027.pdf"},
        {"recipient": "Nordlicht Schweiz AG", "destination_country": "CH", "mechanism": "adequacy"},
    ],
    "rights": {"ref": "https://nordlicht-kredit.example/datenschutz/rechte",
               "procedures": ["access", "rectification", "erasure", "restriction", "portability", "objection",
                              "withdraw_consent"],
               "response_days": 30, "erasure_model_strategy": "retrain"},
    "breach": {"procedure_ref": "https://privacy.nordlicht-kredit.example/breach-runbook.md",
               "notify_targets": ["eu_supervisory_authority", "data_subjects"], "authority_deadline_hours": 72},
    "records": {"ropa_ref": "https://privacy.nordlicht-kredit.example/ropa/credit-scoring",
                "documentation_retention_years": 10},
    "security": {"encryption_at_rest": True,
                 "privacy_by_design_ref": "https://privacy.nordlicht-kredit.example/pbd/credit-scoring"},
    "dpia": {"ref": "https://privacy.nordlicht-kredit.example/dpia/credit-scoring-2028.pdf", "date": "2028-03-01",
             "covers": ["description", "necessity_proportionality", "risks", "measures"], "outcome": "acceptable"},
}

SBOM_COMPONENTS = [
    {"name": "python", "version": "3.11.9", "type": "application"},
    {"name": "scikit-learn", "version": "1.5.2", "type": "library"},
    {"name": "xgboost", "version": "2.1.1", "type": "library"},
    {"name": "fastapi", "version": "0.115.0", "type": "framework"},
]


def _sbom(model: str, version: str, extra: list | None = None) -> dict[str, Any]:
    return {"subject": model, "components": [{"name": model, "version": version, "type": "machine-learning-model"},
                                             *SBOM_COMPONENTS, *(extra or [])],
            "vulnerabilities": [
                {"id": "CVE-2024-5206", "severity": "medium", "state": "resolved"},
                {"id": "CVE-2024-47874", "severity": "high", "state": "not_affected"},
            ]}


CREDIT_WORKLOAD: dict[str, Any] = {
    "name": "credit-scoring-api",
    "model_refs": ["model_card.yaml"],
    "dataset_refs": ["data_manifest.yaml"],
    "model_version": "2.3.0",
    "region": "DE",
    "jurisdictions": ["EU"],
    "data_classification": ["personal"],
    "deployment_domain": "credit_scoring",
    "deployer": {"type": "private"},
    "fria": {"ref": "https://privacy.nordlicht-kredit.example/fria/credit-scoring.pdf", "authority_notified": True},
    "registration": {"eu_database_id": "EUDB-DEP-2026-118340"},
    "human_oversight": {"operator_assigned": True, "override_enabled": True},
    "monitoring": {"enabled": True, "incident_contact": "ai-incidents@nordlicht-kredit.example"},
    "transparency": {"notices": ["annex_iii_decision_subject"]},
    "publishes_public_interest_text": False,
    "logging": {"enabled": True, "retention_days": 400,
                "audit_events": ["access", "modification", "export", "login", "model_inference", "human_override"]},
    "security": {"tls_enabled": True, "tls_min_version": "1.3", "encryption_at_rest": True, "rbac_enforced": True,
                 "authn_enforced": True, "mfa": True, "unique_user_ids": True, "auto_logoff_minutes": 15,
                 "emergency_access_procedure_ref": "https://ops.nordlicht-kredit.example/break-glass.md",
                 "integrity_controls": True, "backup_enabled": True,
                 "disaster_recovery_ref": "https://ops.nordlicht-kredit.example/dr-plan.md",
                 "risk_analysis_ref": "https://ops.nordlicht-kredit.example/security-risk-analysis-2028.pdf",
                 "risk_analysis_date": "2028-02-10"},
    "attestations": {
        "ai_literacy": _attest("Markus Weber", "Head of Credit Operations", "2028-05-02",
                               "https://lms.nordlicht-kredit.example/courses/ai-literacy-2028"),
        "workers_informed": _attest("Petra Schulz", "Works council liaison", "2028-03-01",
                                    "https://intranet.nordlicht-kredit.example/betriebsrat/ki-2028"),
        "security_awareness_training": _attest("Tobias Lang", "CISO", "2028-01-15",
                                               "https://lms.nordlicht-kredit.example/security-2028"),
    },
}

# ------------------------------------------------------------------------------------------- HIPAA

HOSP = "https://compliance.mercy-valley.example"

READMISSION_CARD: dict[str, Any] = {
    "name": "30-day readmission risk", "version": "1.4.0", "kind": "ai_system", "processes_personal_data": True,
    "market": {"eu_market": False},
    "provider": {"name": "Mercy Valley Health System", "established_in_eu": False,
                 "contact_address": "1200 Riverside Dr, Sacramento, CA 95814, USA"},
    "intended_use": {"purpose": "Flag inpatients at high risk of 30-day readmission for care-transition follow-up.",
                     "domains": ["healthcare"], "affected_persons": ["patients"],
                     "out_of_scope_uses": ["insurance underwriting"]},
    "capabilities": ["decision_support"],
    "datasets": [{"manifest_ref": "data_manifest.yaml", "split": "training"},
                 {"manifest_ref": "data_manifest.yaml", "split": "testing"}],
    "sbom_ref": "sbom.cdx.json",
    "evaluation": {"metrics": [{"name": "roc_auc", "value": 0.78, "threshold": 0.72,
                                "rationale": "Discrimination at the care-manager's review threshold."}]},
}

READMISSION_MANIFEST: dict[str, Any] = {
    "version": "2027.10",
    "contains_personal_data": True, "contains_special_categories": True, "contains_phi": True,
    "subjects_in_eu": False, "subjects_in_india": False,
    "size": {"records": 412_877},
    "controller": {"name": "Mercy Valley Health System", "country": "US", "established_in_eu": False,
                   "dpo_contact": "privacy.officer@mercy-valley.example"},
    "regulated_entity": {"hipaa_role": "covered_entity"},
    "hipaa": {"designated_record_set": True},
    "personal_data": {"categories": ["identifiers", "demographic", "health"], "subject_categories": ["adult"],
                      "identifiability": "limited_data_set", "large_scale": True, "digital_form": True},
    "schema": {"fields": [
        {"name": "encounter_key", "pii_type": "other_unique_identifier", "justification": "links episodes"},
        {"name": "admit_date", "pii_type": "date_element", "justification": "30-day window"},
        {"name": "zip5", "pii_type": "geographic_subdivision", "justification": "social determinants"},
        {"name": "dx_codes", "pii_type": "health_condition", "justification": "clinical predictors"},
    ]},
    "purposes": ["health_care_operations", "ai_training"],
    "processing_activities": ["research"],
    "collection": {"method": "ehr_export", "sources": ["Epic Clarity"], "original_purpose": "treatment",
                   "start_date": "2027-01-01"},
    "ai_use": {"purpose": ["training", "testing"], "downstream_risk_tier": "minimal"},
    "lawful_basis": {"hipaa_permission": "health_care_operations"},
    "notice": {"ref": "https://www.mercy-valley.example/notice-of-privacy-practices", "frameworks": ["hipaa_npp"]},
    "deidentification": {"method": "none"},
    "scan": {"date": "2028-06-20", "pii_types_found": ["other_unique_identifier", "date_element",
                                                       "geographic_subdivision", "health_condition"],
             "hipaa_identifiers_found": ["date_element", "geographic_subdivision"],
             "special_category_detected": True, "children_data_detected": False},
    "retention": {"period_days": 2190, "trigger": "collection", "erasure_method": "crypto_shred",
                  "justification": "HIPAA 6-year documentation rule"},
    "recipients": [{"name": "Cascade Clinical Analytics LLC", "role": "business_associate", "country": "US",
                    "agreements": ["hipaa_baa", "data_use_agreement"]}],
    "rights": {"procedures": ["access", "amendment", "accounting_of_disclosures"], "response_days": 30},
    "breach": {"procedure_ref": f"{HOSP}/breach-response.md",
               "notify_targets": ["individuals", "hhs_secretary", "media"],
               "individual_deadline_days": 60},
    "records": {"documentation_retention_years": 6},
    "security": {"encryption_at_rest": True},
}

READMISSION_WORKLOAD: dict[str, Any] = {
    "name": "readmission-scorer", "model_refs": ["model_card.yaml"], "dataset_refs": ["data_manifest.yaml"],
    "model_version": "1.4.0", "region": "US", "jurisdictions": ["US"], "data_classification": ["phi"],
    "deployment_domain": "healthcare", "deployer": {"type": "private"},
    "logging": {"enabled": True, "retention_days": 2190, "audit_events": ["access", "modification", "export", "login"]},
    "security": {"tls_enabled": True, "tls_min_version": "1.2", "encryption_at_rest": True, "rbac_enforced": True,
                 "authn_enforced": True, "mfa": True, "unique_user_ids": True, "auto_logoff_minutes": 15,
                 "emergency_access_procedure_ref": f"{HOSP}/emergency-access.md", "integrity_controls": True,
                 "backup_enabled": True, "disaster_recovery_ref": f"{HOSP}/contingency-plan.md",
                 "risk_analysis_ref": f"{HOSP}/security-risk-analysis-2028.pdf", "risk_analysis_date": "2028-03-01"},
    "attestations": {"security_awareness_training": _attest("Linda Park", "HIPAA Security Officer", "2028-02-01",
                                                            f"{HOSP}/training/2028")},
}

# -------------------------------------------------------------------------------------------- DPDP

LEND = "https://trust.paisapal.example"

LENDING_CARD: dict[str, Any] = {
    "name": "PaisaPal pocket-money credit limit", "version": "3.1.0", "kind": "ai_system",
    "processes_personal_data": True, "market": {"eu_market": False},
    "provider": {"name": "PaisaPal Fintech Pvt Ltd", "established_in_eu": False,
                 "contact_address": "4th Floor, Prestige Tech Park, Bengaluru 560103, India"},
    "intended_use": {"purpose": "Set spending limits on teen prepaid cards linked to a parent's account.",
                     "domains": ["credit_scoring"], "affected_persons": ["consumers", "children"]},
    "capabilities": ["profiling", "decision_support"],
    "datasets": [{"manifest_ref": "data_manifest.yaml", "split": "training"},
                 {"manifest_ref": "data_manifest.yaml", "split": "testing"}],
    "sbom_ref": "sbom.cdx.json",
}

LENDING_MANIFEST: dict[str, Any] = {
    "version": "2027.08",
    "contains_personal_data": True, "contains_special_categories": False, "contains_phi": False,
    "subjects_in_eu": False, "subjects_in_india": True,
    "size": {"records": 2_450_000},
    "controller": {"name": "PaisaPal Fintech Pvt Ltd", "country": "IN", "established_in_eu": False,
                   "dpo_contact": "dpo@paisapal.example", "dpo_country": "IN",
                   "grievance_contact": "grievance@paisapal.example"},
    "regulated_entity": {"hipaa_role": "none"},
    "personal_data": {"categories": ["identifiers", "contact", "financial", "behavioural"],
                      "subject_categories": ["adult", "child"], "identifiability": "pseudonymised",
                      "large_scale": True, "digital_form": True, "made_public_by_subject": False},
    "schema": {"fields": [
        {"name": "account_ref", "pii_type": "other_unique_identifier", "justification": "join key"},
        {"name": "parent_pan_hash", "pii_type": "pan_number", "justification": "KYC of the account holder"},
        {"name": "txn_amount_inr", "pii_type": "none"},
    ]},
    "purposes": ["service_delivery", "ai_training", "ai_evaluation"],
    "processing_activities": ["automated_decision"],
    "collection": {"method": "direct_from_subject", "sources": ["PaisaPal app"], "original_purpose": "ai_training",
                   "start_date": "2027-06-01"},
    "ai_use": {"purpose": ["training", "testing"], "downstream_risk_tier": "minimal"},
    "lawful_basis": {"dpdp_ground": "consent"},
    "consent": {"records_ref": f"{LEND}/consent-ledger", "affirmative_action": True, "purpose_specific": True,
                "withdrawal_mechanism": "https://app.paisapal.example/settings/consent",
                "withdrawal_as_easy_as_giving": True, "parental_consent_verified": True,
                "parental_verification_method": "DigiLocker age token of the parent (DPDP Rules r. 10(1)(b))",
                "consent_manager": "Setu Consent Manager",
                "consent_manager_registration_id": "DPB-CM-2026-0007", "legacy_notice_sent": True},
    "notice": {"ref": f"{LEND}/privacy-notice", "frameworks": ["dpdp_s5"], "standalone": True,
               "items": ["data_items_itemised", "purposes", "goods_services_description", "withdraw_consent",
                         "rights", "dpdp_board_complaint"],
               "languages": ["en", "hi", "kn", "ta"], "eighth_schedule_languages_available": True},
    "quality": {"accuracy_process_ref": f"{LEND}/accuracy.md"},
    "scan": {"date": "2028-06-20", "pii_types_found": ["other_unique_identifier", "pan_number"],
             "hipaa_identifiers_found": [], "special_category_detected": False, "children_data_detected": True},
    "retention": {"period_days": 1095, "trigger": "last_interaction", "erasure_method": "delete",
                  "justification": "RBI KYC Master Direction record keeping", "pre_erasure_notice_hours": 48,
                  "processor_erasure_required": True},
    "recipients": [{"name": "Amazon Web Services India Pvt Ltd", "role": "processor", "country": "IN",
                    "agreements": ["dpdp_processor_contract"]},
                   {"name": "Equinox Credit Bureau", "role": "controller", "country": "IN", "agreements": []}],
    "transfers": [{"recipient": "PaisaPal Singapore Pte Ltd", "destination_country": "SG",
                   "mechanism": "dpdp_permitted"}],
    "rights": {"ref": f"{LEND}/your-rights",
               "procedures": ["access", "rectification", "erasure", "nomination", "grievance", "withdraw_consent"],
               "response_days": 30, "grievance_response_days": 30},
    "breach": {"procedure_ref": f"{LEND}/breach-runbook.md", "notify_targets": ["dpdp_board", "data_principals"],
               "detailed_report_hours": 72},
    "security": {"encryption_at_rest": True},
    "dpia": {"ref": f"{LEND}/dpia-2028.pdf", "date": "2028-03-15",
             "covers": ["description", "necessity_proportionality", "risks", "measures"], "outcome": "acceptable"},
    "dpdp": {"significant_data_fiduciary": True, "third_schedule_class": "ecommerce",
             "independent_auditor": "Sharma & Iyer LLP", "audit_date": "2028-04-30", "board_report_submitted": True,
             "algorithmic_due_diligence_ref": f"{LEND}/algorithmic-due-diligence-2028.pdf",
             "localisation_required": False, "research_exemption_claimed": False},
}

LENDING_WORKLOAD: dict[str, Any] = {
    "name": "teen-limit-service", "model_refs": ["model_card.yaml"], "dataset_refs": ["data_manifest.yaml"],
    "model_version": "3.1.0", "region": "IN", "jurisdictions": ["IN"], "data_classification": ["personal", "child"],
    "deployment_domain": "credit_scoring", "deployer": {"type": "private"},
    "logging": {"enabled": True, "retention_days": 400, "audit_events": ["access", "modification", "login"]},
    "security": {"tls_enabled": True, "tls_min_version": "1.3", "encryption_at_rest": True, "rbac_enforced": True,
                 "authn_enforced": True, "unique_user_ids": True, "backup_enabled": True},
}

# ------------------------------------------------------------------------------------ GPAI, chatbot

GPAI_DOCS = "https://docs.helix-labs.example/helix-3"

GPAI_CARD: dict[str, Any] = {
    "name": "Helix-3 foundation model", "version": "3.0.0", "kind": "gpai_model", "processes_personal_data": True,
    "market": {"eu_market": True, "open_source": False, "placed_on_market_date": "2026-09-15"},
    "provider": {"name": "Helix Labs Inc.", "established_in_eu": False,
                 "contact_address": "500 Howard St, San Francisco, CA 94105, USA"},
    "authorised_representative": {"name": "Helix Labs Europe B.V. (authorised representative)",
                                  "mandate_ref": f"{GPAI_DOCS}/eu-mandate.pdf"},
    "intended_use": {"purpose": "General-purpose text and code generation model offered through an API.",
                     "domains": ["general_purpose"]},
    "capabilities": ["conversational_interaction", "synthetic_content_generation"],
    "risk": {"tier": "gpai-systemic",
             "art5_screening": {"sexual_deepfake_or_csam": False}},
    "datasets": [{"manifest_ref": "data_manifest.yaml", "split": "training"}],
    "sbom_ref": "sbom.cdx.json",
    "evaluation": {"adversarial_testing": f"{GPAI_DOCS}/red-team-report.pdf"},
    "security": {"threats_assessed": ["model_exfiltration", "prompt_injection", "data_poisoning"],
                 "weights_protection_ref": f"{GPAI_DOCS}/weights-security.pdf"},
    "transparency": {"ai_interaction_disclosure": True,
                     "output_marking": {"machine_readable": True, "method": "c2pa"}},
    "gpai": {"training_compute_flops": 3.8e25, "energy_consumption_kwh": 21_500_000,
             "commission_notification_date": "2026-06-20",
             "annex_xi_documentation_ref": f"{GPAI_DOCS}/annex-xi.pdf",
             "downstream_info_ref": f"{GPAI_DOCS}/annex-xii-integrators.pdf",
             "copyright_policy_ref": f"{GPAI_DOCS}/copyright-policy.pdf", "tdm_optout_respected": True,
             "training_content_summary_ref": "https://helix-labs.example/eu/training-content-summary",
             "training_content_summary_public": True,
             "systemic_risk_evaluation_ref": f"{GPAI_DOCS}/systemic-risk-evals.pdf",
             "systemic_risk_assessment_ref": f"{GPAI_DOCS}/systemic-risk-assessment.pdf"},
    "post_market_monitoring": {"serious_incident_procedure_ref": f"{GPAI_DOCS}/serious-incidents.md"},
    "attestations": {"ai_literacy": _attest("Maya Chen", "VP Trust & Safety", "2028-04-01",
                                            f"{GPAI_DOCS}/ai-literacy-programme")},
}

GPAI_MANIFEST: dict[str, Any] = {
    "version": "2026.05",
    "contains_personal_data": False,
    "subjects_in_eu": False,
    "size": {"records": 14_000_000_000},
    "controller": {"name": "Helix Labs Inc.", "country": "US", "established_in_eu": False},
    "collection": {"method": "web_scrape", "sources": ["Common Crawl CC-MAIN-2025-51", "licensed code corpora"],
                   "tdm_optout_respected": True, "start_date": "2025-01-01"},
    "ai_use": {"purpose": ["training"], "downstream_risk_tier": "gpai-systemic"},
    "scan": {"date": "2028-06-20", "pii_types_found": [], "special_category_detected": False,
             "children_data_detected": False},
}

CHAT_CARD: dict[str, Any] = {
    "name": "Stadtwerke customer-service assistant", "version": "1.2.0", "kind": "ai_system",
    "processes_personal_data": True,
    "market": {"eu_market": True, "open_source": False, "placed_on_market_date": "2026-05-01"},
    "provider": {"name": "Stadtwerke Lindenau GmbH", "established_in_eu": True,
                 "contact_address": "Hafenstraße 12, 04109 Leipzig, Germany"},
    "intended_use": {"purpose": "Answer customer questions about tariffs, bills and outages.",
                     "domains": ["other"], "affected_persons": ["consumers"]},
    "capabilities": ["conversational_interaction", "synthetic_content_generation"],
    "risk": {"tier": "limited", "art5_screening": {k: False for k in (
        "manipulation", "exploitation_of_vulnerabilities", "social_scoring", "predictive_policing_profiling",
        "facial_image_scraping", "emotion_recognition_work_education", "biometric_categorisation_sensitive",
        "realtime_rbi_law_enforcement", "sexual_deepfake_or_csam")}},
    "lineage": {"base_model": "Helix-3", "base_model_provider": "Helix Labs Inc."},
    "sbom_ref": "sbom.cdx.json",
    "transparency": {"ai_interaction_disclosure": True,
                     "output_marking": {"machine_readable": True, "method": "metadata"}},
    "attestations": {"ai_literacy": _attest("Claudia Neumann", "Head of Customer Service", "2028-03-10",
                                            "https://intranet.stadtwerke-lindenau.example/ki-kompetenz")},
}

CHAT_WORKLOAD: dict[str, Any] = {
    "name": "kundenservice-assistent", "model_refs": ["model_card.yaml"], "model_version": "1.2.0",
    "region": "DE", "jurisdictions": ["EU"], "data_classification": ["none"], "deployment_domain": "other",
    "deployer": {"type": "private"}, "transparency": {"notices": ["ai_interaction", "ai_generated_text"]},
    "publishes_public_interest_text": False,
    "human_oversight": {"operator_assigned": True, "override_enabled": True},
    "monitoring": {"enabled": True, "incident_contact": "ki@stadtwerke-lindenau.example"},
}

# name -> artifacts; "sbom" holds the normalised view, written out as CycloneDX 1.6 by the generator.
BUNDLES: dict[str, dict[str, Any]] = {
    "credit": {"model_card": CREDIT_CARD, "data_manifest": CREDIT_MANIFEST,
               "sbom": _sbom("nordlicht-credit-scoring", "2.3.0"), "workload": CREDIT_WORKLOAD,
               "names": ("nordlicht-credit-scoring", "loan-applications-2027")},
    "readmission": {"model_card": READMISSION_CARD, "data_manifest": READMISSION_MANIFEST,
                    "sbom": _sbom("readmission-risk", "1.4.0"), "workload": READMISSION_WORKLOAD,
                    "names": ("readmission-risk", "inpatient-encounters-2027")},
    "lending": {"model_card": LENDING_CARD, "data_manifest": LENDING_MANIFEST,
                "sbom": _sbom("paisapal-teen-limit", "3.1.0"), "workload": LENDING_WORKLOAD,
                "names": ("paisapal-teen-limit", "paisapal-transactions-2027")},
    "gpai": {"model_card": GPAI_CARD, "data_manifest": GPAI_MANIFEST,
             "sbom": _sbom("helix-3", "3.0.0"), "workload": None,
             "names": ("helix-3", "helix-pretraining-mix-2026")},
    "chatbot": {"model_card": CHAT_CARD, "data_manifest": None, "sbom": _sbom("stadtwerke-assistant", "1.2.0"),
                "workload": CHAT_WORKLOAD, "names": ("stadtwerke-assistant", "")},
}

# Which bundles a ruleset's mutation search starts from, in order of preference.
BUNDLES_FOR = {
    "eu-ai-act": ["credit", "gpai", "chatbot", "readmission", "lending"],
    "gdpr": ["credit", "gpai", "chatbot", "readmission", "lending"],
    "hipaa": ["readmission", "credit", "lending"],
    "dpdp": ["lending", "credit", "readmission"],
}
