package dev.runbook.engine.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a step does (on its class) or what one of its inputs means (on a component of its input
 * record), for the people who draw runbooks: {@code runbook templates export} turns them into the
 * Camunda Modeler's element templates. Every shipped step and every input carries one; a test fails
 * naming any that does not.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.RECORD_COMPONENT})
public @interface Doc {

  /** One or two plain sentences. */
  String value();

  /**
   * On an input: the step cannot run without a value (its record or the step rejects none), so the
   * Modeler asks for one.
   */
  boolean required() default false;

  /**
   * On an input: the value the step uses when the task gives none, as text ({@code "60"}, {@code
   * "0"}, {@code "false"}); empty when there is none. The step's record sets it (its compact
   * constructor, or a primitive's zero); this only tells the Modeler, which pre-fills it, and a
   * test in the runbooks module fails when the two disagree.
   */
  String defaultValue() default "";
}
